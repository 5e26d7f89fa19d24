"""nbgrader's Execute step, made to survive a kernel that dies (os._exit, a segfault, the CPU limit).

Plain nbgrader gives up on the whole notebook when the kernel dies. RestartingExecute instead records
an error in the cell that killed the kernel (so that cell scores 0), starts a fresh kernel, re-runs the
cells before it (outputs discarded) to rebuild the student's definitions, and goes on; the later cells
are graded normally. After MAX_RESTARTS deaths the remaining cells are marked as not run (score 0).
`tito grade` turns this on through nbgrader_config.py (tito.nbgrader_run.write_config).
"""
from __future__ import annotations

import copy

from nbclient.exceptions import DeadKernelError
from nbclient.util import run_sync
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute

KERNEL_DIED = "KernelDied"
NOT_RUN = "NotRun"
MAX_RESTARTS = 3


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"{ename}: {evalue}"])


class RestartingExecute(Execute):
    """Execute that restarts a dead kernel, replays the earlier cells and continues."""

    def preprocess(self, nb, resources=None, km=None):
        self._deaths: list[int] = []
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if len(self._deaths) > MAX_RESTARTS:
            if cell.cell_type == "code":
                cell.outputs = [_error(NOT_RUN, "not run: the kernel died too often in earlier cells")]
            return cell, self.resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._deaths.append(index)
            cell.outputs = list(cell.get("outputs", [])) + [_error(
                KERNEL_DIED, "the kernel died while running this cell (os._exit, a crash, or the CPU/"
                             "memory limit); tito restarted it and re-ran the earlier cells")]
            if len(self._deaths) <= MAX_RESTARTS:
                self._restart(index)
            return cell, self.resources

    def _restart(self, index: int) -> None:
        """A fresh kernel (same cwd and environment), with cells 0..index-1 run again silently."""
        try:
            if self.kc is not None:
                self.kc.stop_channels()
        except Exception:  # the old channels may already be gone
            pass
        run_sync(self.km.restart_kernel)(now=True)
        self.start_new_kernel_client()
        for i in range(index):
            old = self.nb.cells[i]
            if old.cell_type != "code" or i in self._deaths:
                continue
            replay = copy.deepcopy(old)
            try:
                super().execute_cell(replay, i, store_history=False)
            except DeadKernelError:
                self._deaths.append(i)
                run_sync(self.km.restart_kernel)(now=True)
                self.start_new_kernel_client()


def autograde_preprocessors() -> list:
    """nbgrader's own autograde preprocessor list with Execute replaced by RestartingExecute."""
    from nbgrader.converters import Autograde

    default = Autograde.autograde_preprocessors.default()
    return [RestartingExecute if pp is Execute else pp for pp in default]
