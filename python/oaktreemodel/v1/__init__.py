"""oaktree v1: one ``<area>_pb2`` module (messages) and, for areas with a
service, one ``<area>_pb2_grpc`` module (stubs and servicer base classes) per
``oaktree/v1/<area>.proto``."""
