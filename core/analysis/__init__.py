"""Looking at a network: the decision boundary, points and layers, the diagnosis of a
stuck run, and the back-propagation of one training point."""
