"""Imported first by the worker processes' forkserver, and by nothing else: the forkserver then
ends with the command that started it, even one killed outright (SIGKILL), and its workers end
with it (`local.die_with_parent`), so that no process outlives the command."""

from .local import die_with_parent

die_with_parent()
