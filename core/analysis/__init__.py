"""Looking at a network: the decision boundary, points and layers, and the diagnosis of
a stuck run."""
