"""The checkpoint leaves out the default generator's state: after a resume, dropout draws other masks and
the run differs from an uninterrupted one."""
CELL = "training-checkpoint"
FIND = '''    set_generator_state(default_generator, state["rng"]["default"])'''
REPLACE = '''    pass'''
