package gateway

// ETFEncodes returns how many dispatches have been converted to ETF.
func ETFEncodes() int64 { return etfEncodes.Load() }
