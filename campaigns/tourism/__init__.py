"""Tourism: bookable African experiences with options, unit prices and departures (see models.py)."""
