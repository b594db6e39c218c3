"""Moving users in and out: import readers over one import core, export, backup and restore."""
