"""Attack 3: an IPython AST transformer that turns every later cell (the instructor's tests
included) into `pass`, so no assertion ever runs."""
CELLS = {"fixture-tensor-add-impl": r'''
import ast

class Nothing(ast.NodeTransformer):
    def visit_Module(self, node):
        return ast.Module(body=[ast.Pass()], type_ignores=[])

get_ipython().ast_transformers.append(Nothing())
'''}
EXPECTED = {"fixture-tensor-add-test": 0.0, "fixture-tensor-total-test": 0.0}
NOTE = "TamperingDetected"
