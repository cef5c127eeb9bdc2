"""Pages of the register; one module per topic, each with its URL list and ACCESS rules."""
