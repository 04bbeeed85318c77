module github.com/onair-go/onair

go 1.25

require (
	github.com/asticode/go-astiav v0.39.0
	github.com/ebitengine/oto/v3 v3.4.0
	go.uber.org/goleak v1.3.0
	golang.org/x/sync v0.17.0
)

require (
	github.com/asticode/go-astikit v0.42.0 // indirect
	github.com/ebitengine/purego v0.9.0 // indirect
	golang.org/x/sys v0.36.0 // indirect
)

require (
	github.com/stretchr/testify v1.12.1
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)
