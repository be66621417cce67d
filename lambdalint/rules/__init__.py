"""One module per rule; `lambdalint.registry` finds every Rule subclass defined here."""
