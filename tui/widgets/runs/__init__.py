"""The runs table's columns and cells."""
