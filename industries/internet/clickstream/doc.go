// Package clickstream is the input of the internet case: the beacons a site's
// browsers and apps send (page views, add-to-cart, purchases, ad impressions
// and clicks), their strict parser, and a seeded generator of a day's traffic
// with what makes user-behaviour analytics hard: events that arrive late and
// out of order, beacons retried by the device (duplicates), crawlers, malformed
// beacons, a front end whose clock is wrong, and a traffic spike.
package clickstream
