"""Chat intents (update, query, people, digest), platform-neutral: each takes an actor and
what they said, calls the core, and returns a reply object from handlers.replies that a
platform renderer turns into a message."""
