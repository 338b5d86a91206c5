"""`python -m skills`: the skills CLI on its own (the main CLI mounts it as `bottomup skills`)."""

from skills.cli import app

app(prog_name="skills")
