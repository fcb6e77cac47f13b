"""What each CLI command does, apart from parsing (in cli.py)."""
