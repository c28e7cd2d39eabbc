"""Demand: population projected to a year (projection), new housing (housing), registration shares (registration),
weighted demand per zone (zones), community bed need (bed_need) and demand tables by year (tables)."""
