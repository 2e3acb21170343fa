"""Admission: what decides whether, when and where work runs, before any of it does.

- `budget`: work limits and memory estimates a request is checked against first (422, 413, 503);
- `fair`: who the client is (forwarded headers believed only from trusted proxies) and its shares and rates;
- `jobs`: the pool of CPU slots for requests' jobs (per-client shares, a cap on long jobs, 429/503);
- `lanes`: the fair lanes the stream steps take (and the event loop's own, for the tiniest steps).
"""
