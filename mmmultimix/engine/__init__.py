"""Engine components (hooks, loops)."""
