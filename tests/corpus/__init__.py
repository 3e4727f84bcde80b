"""The generated reply corpus (issue 17 "Understanding"): replies built from the classes of
docs' reading spec, each with its true reading known by construction, and the harness that
runs them through the real conversation path and scores what was stored."""
