"""The inspect views: boundary field, test panel, predictions, confusion, activation,
diagnosis and network."""
