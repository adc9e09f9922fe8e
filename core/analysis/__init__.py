"""Looking at a network: the decision boundary and where points fall on it, points and
layers, the plotted history series, the diagnosis of a stuck run, the views a screen asks
for (``derived``), the report's observations, and the back-propagation of one point."""
