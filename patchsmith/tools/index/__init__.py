"""Know the code: a tree-sitter symbol index, a repository map and issue-to-file localization."""
