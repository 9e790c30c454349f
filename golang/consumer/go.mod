// A module of its own, so the consumer is not part of the published module.
// golang/checks/consumer copies it to a scratch folder and points it at the
// build's copy of oaktreemodel.
module example.com/oaktreeconsumer

go 1.26.0
