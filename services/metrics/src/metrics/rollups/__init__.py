"""Rollups: the exact sums of contact records per contract, queue, channel, direction and
15-minute interval (and per hour), kept by adding each stored record's contribution and
subtracting each replaced or erased one's."""
