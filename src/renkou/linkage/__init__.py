"""Record linkage library: identity numbers, names, the matcher.

Pure Python: nothing in this package imports Django or any other renkou app.
"""
