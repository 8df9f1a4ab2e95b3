"""The incentive simulation on the real chain: `sumchain simulate`."""
