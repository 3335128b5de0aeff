"""``python -m console``: serve the support console with the settings of the environment."""

from console.server import serve
from shopdesk.settings import get_settings

serve(get_settings())
