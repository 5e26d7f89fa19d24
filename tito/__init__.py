"""tito: the TinyTorch course tool (export, notebooks, check, test, milestones, classroom commands).

The command line lives in tito/cli.py; each sub-command is a module in tito/commands/.
"""
