# Entry points; each script is self-contained and can be run directly.
.PHONY: dev dev-spin test setup sizes bench contract spin-build worker-build

dev:          ## set up, migrate local D1, serve on http://127.0.0.1:8787 (wrangler dev)
	bash scripts/dev.sh

dev-spin:     ## set up, build the Spin components, serve on http://127.0.0.1:3000 (spin up, local SQLite)
	bash scripts/dev-spin.sh

test:         ## set up and run every test (lints, native, wasm, contract suite on both runtimes, sizes)
	bash scripts/test.sh

setup:        ## install the pinned tool chain (idempotent)
	bash scripts/setup.sh

sizes:        ## release wasm sizes, raw and gzip -9
	bash scripts/sizes.sh

bench:        ## benchmarks with baselines: /health, the order read vs a hand-written Worker, Spin (~8 min)
	bash scripts/bench.sh

contract:     ## contract suite only (wrangler dev, and spin up when available)
	cargo run -p contract

spin-build:   ## every function as a Spin component
	bash scripts/build-spin.sh

worker-build: ## the Cloudflare Worker bundle (target/worker)
	bash scripts/build-worker.sh
