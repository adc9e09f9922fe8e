"""bp-tui's Textual dashboard: the `bp-tui` command and its screens and widgets."""
