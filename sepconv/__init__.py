"""sepconv: separable convolution, computed.

The computing layer of the *sepconv* book. The bottom layer (``core``,
``counting``, ``reference``, ``decompose``, ``kernels``, ``models``,
``measure``) needs only NumPy, SciPy and threadpoolctl and is re-exported
here: ``core`` computes every convolution fast, ``counting`` gives their
costs in closed form, and ``reference`` computes them again as plain loops
that count their multiplications (the definitions, written to be read). The
gradients are the module ``sepconv.grad`` (named like ``torch.nn.grad``), and
a small trainer built on them is ``sepconv.nn`` (its ``load_digits`` needs
scikit-learn, the ``learn`` extra). ``html_table`` prints the chapters'
tables of numbers (HTML on the page, text for nbval).
The drawing layer (``plotting``, ``animation``) needs matplotlib and the
explorers (``widgets``) need ipywidgets; import them explicitly, e.g.
``from sepconv import plotting``.
"""

from . import core, counting, decompose, grad, kernels, measure, models, nn, reference
from ._table import Table, html_table
from .core import *  # noqa: F403
from .counting import *  # noqa: F403
from .decompose import *  # noqa: F403
from .kernels import *  # noqa: F403
from .measure import *  # noqa: F403
from .models import *  # noqa: F403
from .reference import *  # noqa: F403

__version__ = "0.1.0"

__all__ = [
    "grad",
    "nn",
    "Table",
    "html_table",
    *core.__all__,
    *counting.__all__,
    *decompose.__all__,
    *kernels.__all__,
    *measure.__all__,
    *models.__all__,
    *reference.__all__,
]
