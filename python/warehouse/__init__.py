"""Community analytics warehouse: loaders, kernels, CLI."""
