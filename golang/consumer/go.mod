// A module of its own, so the consumer is not part of the published module.
// golang/checks/consumer copies it to a scratch folder and `go get`s the
// package by version from a module proxy directory. Its go line is the
// published module's floor: the check fails if go get raises it.
module example.com/oaktreeconsumer

go 1.20
