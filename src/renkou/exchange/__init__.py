"""Partner department feeds (DOMAIN.md §5): intake of police, hospital, civil-affairs and
school files into typed, versioned FeedRows; reconciliation against the register builds on
them. ``services.feed_import`` is the one write path; ``feeds.FEEDS`` lists the kinds."""
