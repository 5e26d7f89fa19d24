"""named_parameters without de-duplication: a parameter shared by two modules is listed twice, so an optimizer would update it twice per step."""
CELL = "layers-module"
FIND = '''                if param is None or (remove_duplicate and id(param) in seen):'''
REPLACE = '''                if param is None:'''
