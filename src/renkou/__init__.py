"""renkou: the information platform of a township population and family services office."""
