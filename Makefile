# qcall — make test runs every test, as CI does.
.PHONY: test run build cross bench-issue

test:
	./scripts/test.sh

run:
	go run ./cmd/qcall

build:
	go build -o bin/qcall ./cmd/qcall

# The server and the agent build for the halls' machines.
cross:
	GOOS=linux GOARCH=amd64 go build -o /dev/null ./cmd/qcall
	GOOS=linux GOARCH=arm64 go build -o /dev/null ./cmd/qcall
	GOOS=windows GOARCH=amd64 go build -o /dev/null ./cmd/qcall

bench-issue:
	go run ./cmd/qcall bench issue
