"""The studies' figure of means with 95 % intervals on a log x axis."""
from .stats import mean_interval

__all__ = ['interval_plot']


def interval_plot(lines, path: str, title: str, xlabel: str, ylabel: str,
                  zero: bool = False, size=(5.2, 3.6)) -> bool:
    """Draws ``lines`` (``[(label, [(x, values)])]``): per point the mean
    of ``values`` with its 95 % t-interval as a bar, x on a log axis with
    the measured x as ticks; ``zero`` draws the line y = 0. Writes ``path``
    and returns True, or False (nothing written) when no line has a
    point."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=size)
    drawn, ticks = False, set()
    for label, points in lines:
        xs, ys, lo, hi = [], [], [], []
        for x, values in points:
            if not values:
                continue
            m, a, b = mean_interval(values)
            xs.append(x)
            ys.append(m)
            lo.append(m - a)
            hi.append(b - m)
        if xs:
            drawn = True
            ticks.update(xs)
            ax.errorbar(xs, ys, yerr=[lo, hi], marker='o', capsize=3,
                        label=label)
    if not drawn:
        plt.close(fig)
        return False
    if zero:
        ax.axhline(0, color='grey', lw=0.8)
    ax.set_xscale('log')
    ax.set_xticks(sorted(ticks))
    ax.set_xticklabels([f'{t:,}' for t in sorted(ticks)])
    ax.minorticks_off()
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
