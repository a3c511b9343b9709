"""The one progress line of a study: runs done of total, failures, the last
run, and an ETA from the runs' measured times."""
import math
import sys
import time

__all__ = ['Progress']


class Progress:
    """One line: runs done / total, failures, the last run, and an ETA
    from the runs' measured times (their estimated costs rescaled by the
    ratio of measured to estimated time of the finished ones)."""

    def __init__(self, costs: dict, slots: int, stream=None):
        self.costs, self.slots = costs, max(1, slots)
        self.stream = stream or sys.stdout
        self.tty = getattr(self.stream, 'isatty', lambda: False)()
        self.done, self.failed = 0, 0
        self.est_done = self.real_done = 0.0
        self.t0 = time.time()

    def eta(self, left_keys) -> float:
        left = sum(self.costs[k] for k in left_keys)
        scale = self.real_done / self.est_done if self.est_done else None
        if scale is None:  # nothing finished yet: no measured time
            return math.nan
        return left * scale / self.slots

    def update(self, key, seconds, left_keys, what: str) -> None:
        self.done += 1
        self.est_done += self.costs[key]
        self.real_done += seconds
        eta = self.eta(left_keys)
        total = len(self.costs)
        line = (f'[{self.done}/{total}] {what} | '
                f'{_hms(time.time() - self.t0)} elapsed, ETA '
                f'{"?" if math.isnan(eta) else _hms(eta)}' +
                (f' | {self.failed} failed' if self.failed else ''))
        end = '' if self.tty and self.done < total else '\n'
        print(('\r\033[K' if self.tty else '') + line, end=end,
              file=self.stream, flush=True)


def _hms(seconds: float) -> str:
    seconds = int(math.ceil(max(0.0, seconds)))
    return f'{seconds // 3600}h{seconds % 3600 // 60:02d}m' \
        if seconds >= 3600 else f'{seconds // 60}m{seconds % 60:02d}s'
