"""The inspect views: boundary field, test panel, predictions, confusion, activation,
diagnosis, network and one point's back-propagation."""
