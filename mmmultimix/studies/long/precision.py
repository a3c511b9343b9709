"""The long study's precision part (``--part precision``): input mixup,
MultiMix and + dense + distil in fp32 and bf16 at
``SETTINGS['precision_steps']`` SGD steps, paired by seed."""
import statistics

from ..names import NAMES
from ..records import cells
from ..stats import fmt, paired
from .settings import PRECISION_GROUPS, PRECISION_ROWS, SETTINGS, steps


def precision_plan(st=SETTINGS):
    """The precision part, seed by seed: every row in fp32 and bf16 at
    ``st['precision_steps']`` SGD steps (1,000 images)."""
    epochs = max(1, st['precision_steps'] // steps(1, st))
    return [(g, r, s, epochs) for s in st['seeds'] for r in PRECISION_ROWS
            for g in PRECISION_GROUPS]


def precision_rows(results: dict, st: dict):
    """Per device and row of the precision part: ``(device, row, pairs,
    fp32 accs, bf16 accs, (mean, lo, hi) of bf16 − fp32, ms per step fp32,
    bf16)``, paired over the seeds both precisions have."""
    epochs = max(1, st['precision_steps'] // steps(1, st))
    fp32, bf16 = cells(results, st['npc']), cells(results, st['npc'], 'bf16')
    out = []
    for device in sorted(set(fp32) | set(bf16)):
        for row in PRECISION_ROWS:
            a = fp32.get(device, {}).get((row, epochs), {})
            b = bf16.get(device, {}).get((row, epochs), {})
            seeds = [s for s in st['seeds'] if s in a and s in b]
            acc_a = [a[s]['acc'] for s in seeds]
            acc_b = [b[s]['acc'] for s in seeds]
            diff = paired(acc_b, acc_a) if seeds else None

            # step times only from pairs timed on the same CPU (records
            # from before the ``cpu`` field state none: not compared)
            timed = [s for s in seeds if a[s]['meta'].get('cpu') and
                     a[s]['meta'].get('cpu') == b[s]['meta'].get('cpu')]

            def ms(cell):
                v = [1000 * cell[s]['meta']['train_s'] /
                     cell[s]['meta']['steps'] for s in timed]
                return statistics.mean(v) if v else None
            out.append((device, row, len(seeds), acc_a, acc_b, diff, ms(a),
                        ms(b)))
    return out


def precision_table(rows) -> str:
    """The precision evidence: every difference with its interval, a
    verdict, and the measured step times."""
    md = ['| device | row | pairs | fp32 top-1 | bf16 top-1 | bf16 − fp32 '
          '(95 % interval) | verdict | ms / step fp32 → bf16 |',
          '|---|---|---|---|---|---|---|---|']
    for device, row, n, a, b, diff, ms_a, ms_b in rows:
        if diff is None:
            md.append(f'| {device} | {NAMES[row]} | 0 | {fmt(a)} | {fmt(b)} '
                      '| missing | — | — |')
            continue
        mean, lo, hi = diff
        if n < 2:
            interval, v = '—', 'one seed: no interval'
        else:
            interval = f'[{lo:+.2f}, {hi:+.2f}]'
            v = ('bf16 higher' if lo > 0 else 'bf16 lower' if hi < 0 else
                 'no difference detected')
        speed = (f'{ms_a:.0f} → {ms_b:.0f} ({ms_a / ms_b:.2f}×)'
                 if ms_a and ms_b else '—')
        md.append(f'| {device} | {NAMES[row]} | {n} | {fmt(a)} | {fmt(b)} | '
                  f'{mean:+.2f} {interval} | {v} | {speed} |')
    return '\n'.join(md)


def precision_section(results: dict, st: dict) -> list:
    """The precision part's Markdown (empty without a pair)."""
    prows = precision_rows(results, st)
    if not any(r[2] for r in prows):
        return []
    return ['## Precision: bf16 against fp32 (paired by seed, '
            f'{st["precision_steps"]:,} SGD steps, '
            f'{10 * st["npc"]} images)\n',
            'Each row trained in fp32 and in bf16 (`model.precision`) '
            'with the same seeds and the same data order; the step '
            'times are the runs\' own (training wall time over SGD '
            'steps, one thread, beside other work), over the pairs timed '
            'on the same CPU only (`meta.cpu`).\n',
            precision_table(prows), '']
