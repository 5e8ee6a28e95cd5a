"""sepconv: separable convolution, computed.

The computing layer of the *sepconv* book. The bottom layer (``core``,
``counting``, ``reference``, ``decompose``, ``kernels``, ``models``,
``measure``) needs only NumPy, SciPy and threadpoolctl and is re-exported
here: ``core`` computes every convolution fast, ``counting`` gives their
costs in closed form, and ``reference`` computes them again as plain loops
that count their multiplications (the definitions, written to be read). The
gradients are the module ``sepconv.grad`` (named like ``torch.nn.grad``).
The drawing layer (``plotting``, ``animation``) needs matplotlib and the
explorers (``widgets``) need ipywidgets; import them explicitly, e.g.
``from sepconv import plotting``.
"""

from . import core, counting, decompose, grad, kernels, measure, models, reference
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
    *core.__all__,
    *counting.__all__,
    *decompose.__all__,
    *kernels.__all__,
    *measure.__all__,
    *models.__all__,
    *reference.__all__,
]
