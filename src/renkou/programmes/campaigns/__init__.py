"""Campaigns (活动): templates, the target rule, freezing the list, coverage, mop-up."""
