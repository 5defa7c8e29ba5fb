"""Stories: near-duplicates, online story assignment, and (later) the story timeline."""
