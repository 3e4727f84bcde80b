"""progressbot: chases action-plan owners for progress updates and reports on them."""
