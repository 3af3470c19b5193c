"""Memory that carries over between runs: the repository's own instruction files, and a per-repository
store of facts and lessons that earlier runs left, retrieved for a new task by its issue text."""
