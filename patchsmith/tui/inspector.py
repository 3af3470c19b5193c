"""`patchsmith inspect`: browse a trajectory, or a folder of runs, step by step."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from patchsmith.tools.safetext import inert
from patchsmith.tui.importers import RunFolder

from .model import RunModel, open_model
from .run_view import RunView

__all__ = ["InspectorApp", "RunScreen", "open_model", "run_inspector"]


class RunScreen(Screen):
    def __init__(self, model: RunModel) -> None:
        super().__init__()
        self.model = model

    def compose(self) -> ComposeResult:
        yield RunView(self.model, id="run")
        yield Footer()


class InspectorApp(App):
    CSS_PATH = "inspector.tcss"
    TITLE = "patchsmith inspect"

    def __init__(self, target: RunModel | RunFolder | tuple[RunModel, RunModel] | tuple[RunFolder, RunFolder]) -> None:
        super().__init__()
        self.target = target

    def get_default_screen(self) -> Screen:
        # Each screen's module loads only when it is the one shown: one trajectory's first paint pays for
        # neither the comparison nor the batch table (their imports reach the harness's statistics).
        if isinstance(self.target, tuple):
            from .compare import CompareScreen, TaskPickScreen

            a, b = self.target
            if isinstance(a, RunFolder) and isinstance(b, RunFolder):
                return TaskPickScreen(a, b)
            return CompareScreen(a, b)  # type: ignore[arg-type]
        if isinstance(self.target, RunFolder):
            from .runs import RunsScreen

            return RunsScreen(self.target)
        return RunScreen(self.target)

    def open_compare(self, a: Path, b: Path) -> None:
        from .compare import CompareScreen

        try:
            models = open_model(a), open_model(b)
        except (ValueError, OSError) as exc:
            self.notify(inert(f"cannot open the runs: {exc}"), severity="error", markup=False)
            return
        self.push_screen(CompareScreen(*models))

    def open_run(self, path: Path) -> None:
        try:
            model = open_model(path)
        except (ValueError, OSError) as exc:
            self.notify(inert(f"cannot open {path}: {exc}"), severity="error", markup=False)
            return
        self.push_screen(RunScreen(model))

    def action_back(self) -> None:
        if len(self.screen_stack) > 1:
            self.pop_screen()
        else:
            self.exit()


def run_inspector(target: RunModel | RunFolder | tuple) -> None:
    InspectorApp(target).run()
