"""Dataset search: one query model, engines behind one interface."""
