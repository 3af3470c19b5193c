"""The SWE-bench-style harness: load tasks, check out repositories, build environments, run the agent,
evaluate patches with the tasks' own tests, and report (see DESIGN.md: Task, Evaluation)."""
