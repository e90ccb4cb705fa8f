"""How long the live reads sample by default: shared by the services and the CLI's options, which
must not import the services to show their help."""

TRAFFIC_SECONDS = 5
TORCH_SECONDS = 5.0
PING_COUNT = 5
