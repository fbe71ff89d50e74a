package cqrs

import (
	"context"
	"testing"
	"time"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// history builds past events of one account, each from its own command.
type history struct {
	id     uuid.UUID
	events []eh.Event
}

func (h *history) add(t eh.EventType, data eh.EventData, cmd uuid.UUID) *history {
	h.events = append(h.events, eh.NewEvent(t, data, time.Now(), eh.ForAggregate(AccountType, h.id, len(h.events)+1),
		eh.WithMetadata(map[string]any{metaCommandID: cmd.String()})))
	return h
}

func TestAccountDecides(t *testing.T) {
	id, openID, depositID := uuid.New(), uuid.New(), uuid.New()
	opened := func() *history {
		return (&history{id: id}).add(AccountOpened, &AccountOpenedData{Owner: "alice"}, openID)
	}
	funded := func() *history { return opened().add(MoneyDeposited, &MoneyMovedData{Amount: 5_000}, depositID) }
	closed := func() *history {
		return opened().add(AccountClosed, nil, uuid.New())
	}
	tests := []struct {
		name    string
		past    *history
		cmd     eh.Command
		want    eh.EventType // "" when no event is expected
		wantErr error
		balance int64 // after the event
	}{
		{"open a new account", &history{id: id}, &OpenAccount{AccountID: id, ID: uuid.New(), Owner: "alice"}, AccountOpened, nil, 0},
		{"open twice", opened(), &OpenAccount{AccountID: id, ID: uuid.New(), Owner: "alice"}, "", ErrAccountExists, 0},
		{"open again with the same command ID", opened(), &OpenAccount{AccountID: id, ID: openID, Owner: "alice"}, "", nil, 0},
		{"deposit", opened(), &Deposit{AccountID: id, ID: uuid.New(), Amount: 1_000}, MoneyDeposited, nil, 1_000},
		{"deposit before opening", &history{id: id}, &Deposit{AccountID: id, ID: uuid.New(), Amount: 1_000}, "", ErrAccountNotOpen, 0},
		{"deposit a negative amount", opened(), &Deposit{AccountID: id, ID: uuid.New(), Amount: -1}, "", ErrInvalidAmount, 0},
		{"deposit sent again", funded(), &Deposit{AccountID: id, ID: depositID, Amount: 5_000}, "", nil, 5_000},
		{"withdraw within balance", funded(), &Withdraw{AccountID: id, ID: uuid.New(), Amount: 5_000}, MoneyWithdrawn, nil, 0},
		{"withdraw into overdraft", funded(), &Withdraw{AccountID: id, ID: uuid.New(), Amount: 5_001}, "", ErrInsufficientFunds, 5_000},
		{"close with money in it", funded(), &CloseAccount{AccountID: id, ID: uuid.New()}, "", ErrBalanceNotZero, 5_000},
		{"close an empty account", opened(), &CloseAccount{AccountID: id, ID: uuid.New()}, AccountClosed, nil, 0},
		{"deposit to a closed account", closed(), &Deposit{AccountID: id, ID: uuid.New(), Amount: 1}, "", ErrAccountClosed, 0},
		{"withdraw from a closed account", closed(), &Withdraw{AccountID: id, ID: uuid.New(), Amount: 1}, "", ErrAccountClosed, 0},
		{"close twice", closed(), &CloseAccount{AccountID: id, ID: uuid.New()}, "", ErrAccountClosed, 0},
		{"an earlier command sent again after closing", (&history{id: id}).
			add(AccountOpened, &AccountOpenedData{Owner: "alice"}, openID).
			add(MoneyDeposited, &MoneyMovedData{Amount: 5}, depositID).
			add(MoneyWithdrawn, &MoneyMovedData{Amount: 5}, uuid.New()).
			add(AccountClosed, nil, uuid.New()),
			&Deposit{AccountID: id, ID: depositID, Amount: 5}, "", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			a := NewAccount(id)
			for _, e := range tt.past.events {
				require.NoError(t, a.ApplyEvent(ctx, e))
				a.SetAggregateVersion(e.Version())
			}
			err := a.HandleCommand(ctx, tt.cmd)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.True(t, IsRefused(err), "a business rule refusal")
			} else {
				require.NoError(t, err)
			}
			got := a.UncommittedEvents()
			if tt.want == "" {
				assert.Empty(t, got, "no event")
			} else {
				require.Len(t, got, 1)
				assert.Equal(t, tt.want, got[0].EventType())
				assert.Equal(t, len(tt.past.events)+1, got[0].Version())
				id, ok := commandIDOf(got[0])
				require.True(t, ok, "the event names its command")
				assert.Equal(t, tt.cmd.(eh.CommandIDer).CommandID(), id)
				require.NoError(t, a.ApplyEvent(ctx, got[0]))
			}
			assert.Equal(t, tt.balance, a.Balance())
		})
	}
}

func TestCentsString(t *testing.T) {
	for in, want := range map[Cents]string{0: "0.00", 5: "0.05", 123456: "1234.56", -250: "-2.50"} {
		assert.Equal(t, want, in.String())
	}
}

func TestConfigValidate(t *testing.T) {
	require.NoError(t, DefaultConfig().Validate())
	bad := DefaultConfig()
	bad.CrashAfter = bad.SecondBurst
	require.Error(t, bad.Validate())
	bad = DefaultConfig()
	bad.Accounts = 2
	require.Error(t, bad.Validate())
}
