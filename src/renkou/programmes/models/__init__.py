"""Service programmes: campaigns, the pre-pregnancy check (NFPCP), contraceptive services.

Each programme keeps its models in its own module; they are re-exported here.
"""
