// SPDX-License-Identifier: MIT
pragma solidity ^0.8.25;

import {VectorMath, VectorMathUser} from "../lib/VectorMath.sol";
import {IERC20Minimal} from "./IERC20Minimal.sol";

/// @title BountyMarket: requesters lock a reward for a model; trainers stake, commit to their
///        test-set predictions and model, claim an accuracy, and the best claim is proven on chain.
/// @notice The design, its states and revert reasons are docs/market.md. Commitments (keccak256 of
///         the ABI encoding, so clients compute the same bytes):
///         labels      keccak256(abi.encode(uint64[] labels, bytes32 salt, address requester, uint256 id))
///         predictions keccak256(abi.encode(uint64[] predictions, bytes32 salt, address trainer, uint256 id))
///         model       keccak256(abi.encode(bytes32 model, bytes32 salt, address trainer, uint256 id))
///         Times: an action "before" a deadline needs block.timestamp < deadline; a timeout "after"
///         it needs block.timestamp >= deadline. Money owed to trainers in a final state (stakes,
///         the punished requester's reward shares) is pulled with `withdraw`; money owed to the
///         requester or the winner is sent by the transition that settles it.
///
/// Events (id = request id, index = submission index):
/// - RequestCreated(id, requester, reward, trainerStake, submissionDeadline, labelsDeadline)
/// - RequestCancelled(id, refund): the requester cancelled while Open; refund = the reward sent back
/// - Submitted(id, index, trainer, predictionsCommitment, modelCommitment)
/// - SubmissionCancelled(id, index, trainer): the stake was sent back
/// - LabelsRevealed(id, claimDeadline)
/// - RequesterPunished(id, submissions, share): labels never came; each of the `submissions`
///   active submissions may withdraw its stake plus `share` (the first also the remainder)
/// - AccuracyClaimed(id, index, trainer, correct)
/// - CandidateSelected(id, index, trainer, correct, verifyDeadline)
/// - CandidateSlashed(id, index, trainer, stake): the reveal failed or never came
/// - Paid(id, index, trainer, model, amount): amount = reward + forfeited stakes + own stake
/// - Refunded(id, requester, amount): nobody won; amount = reward + forfeited stakes
/// - Withdrawn(id, index, trainer, amount)
contract BountyMarket is VectorMathUser {
    /// AwaitingLabels is never stored: an Open request is AwaitingLabels once its submission
    /// deadline has passed (see `stateOf`), so no transaction is needed to close submissions.
    enum State { Open, AwaitingLabels, Claiming, Verifying, Paid, Refunded, RequesterPunished, Cancelled }

    struct Request {
        address requester;
        State state;
        uint32 active; // submissions not cancelled
        uint32 claimed; // active submissions that claimed
        uint32 candidate; // the submission being verified (Verifying) or paid (Paid)
        uint32 firstActive; // RequesterPunished: the submission that also gets the remainder
        uint64 testSize;
        uint64 submissionDeadline;
        uint64 labelsDeadline;
        uint64 claimDeadline;
        uint64 verifyDeadline;
        uint64 claimWindow;
        uint64 revealWindow;
        uint256 reward;
        uint256 trainerStake;
        uint256 forfeited; // stakes lost so far: to the winner, or to the requester if nobody wins
        bytes32 trainingSet;
        bytes32 testSet;
        bytes32 labelsCommitment;
        string context;
        uint64[] labels; // empty until revealed
    }

    struct Submission {
        address trainer;
        uint64 correct; // the claimed number of correct predictions
        bool claimed;
        bool cancelled;
        bool slashed;
        bool settled; // nothing more to pay it: cancelled, withdrawn, paid, or slashed
        bytes32 predictionsCommitment;
        bytes32 modelCommitment;
    }

    /// @notice Submissions per request: selection scans them all, so their number is bounded.
    uint256 public constant MAX_SUBMISSIONS = 256;

    IERC20Minimal public immutable token;
    /// @notice Ids are 0 .. requestCount - 1, from this counter: never reused or overwritten.
    uint256 public requestCount;

    mapping(uint256 => Request) private _requests;
    mapping(uint256 => Submission[]) private _submissions;

    event RequestCreated(
        uint256 indexed id, address indexed requester, uint256 reward, uint256 trainerStake,
        uint64 submissionDeadline, uint64 labelsDeadline
    );
    event RequestCancelled(uint256 indexed id, uint256 refund);
    event Submitted(
        uint256 indexed id, uint256 index, address indexed trainer, bytes32 predictionsCommitment,
        bytes32 modelCommitment
    );
    event SubmissionCancelled(uint256 indexed id, uint256 index, address indexed trainer);
    event LabelsRevealed(uint256 indexed id, uint64 claimDeadline);
    event RequesterPunished(uint256 indexed id, uint256 submissions, uint256 share);
    event AccuracyClaimed(uint256 indexed id, uint256 index, address indexed trainer, uint64 correct);
    event CandidateSelected(
        uint256 indexed id, uint256 index, address indexed trainer, uint64 correct, uint64 verifyDeadline
    );
    event CandidateSlashed(uint256 indexed id, uint256 index, address indexed trainer, uint256 stake);
    event Paid(uint256 indexed id, uint256 index, address indexed trainer, bytes32 model, uint256 amount);
    event Refunded(uint256 indexed id, address indexed requester, uint256 amount);
    event Withdrawn(uint256 indexed id, uint256 index, address indexed trainer, uint256 amount);

    modifier known(uint256 id) {
        require(id < requestCount, "BountyMarket: no such request");
        _;
    }

    constructor(IERC20Minimal stakeToken) {
        token = stakeToken;
    }

    // ------------------------------------------------------------------ requester

    /// @notice Open a request, transferring `reward` in (approve it first). Returns the new id.
    function createRequest(
        uint256 reward,
        uint256 trainerStake,
        uint64 submissionWindowS,
        uint64 responseWindowS,
        uint64 claimWindowS,
        uint64 revealWindowS,
        string calldata context,
        bytes32 trainingSet,
        bytes32 testSet,
        uint64 testSize,
        bytes32 labelsCommitment
    ) external returns (uint256 id) {
        require(reward > 0, "BountyMarket: reward is zero");
        // Without a stake, slashing deters nobody and submissions cost nothing to spam.
        require(trainerStake > 0, "BountyMarket: stake is zero");
        require(
            submissionWindowS > 0 && responseWindowS > 0 && claimWindowS > 0 && revealWindowS > 0,
            "BountyMarket: window is zero"
        );
        require(testSize > 0, "BountyMarket: empty test set");
        // Scoring runs VectorMath.countEqual, which takes at most MAX_LENGTH elements.
        require(testSize <= VectorMath.MAX_LENGTH, "BountyMarket: test set too large");
        id = requestCount++;
        Request storage r = _requests[id];
        r.requester = msg.sender;
        r.reward = reward;
        r.trainerStake = trainerStake;
        r.submissionDeadline = uint64(block.timestamp) + submissionWindowS;
        r.labelsDeadline = r.submissionDeadline + responseWindowS;
        r.claimWindow = claimWindowS;
        r.revealWindow = revealWindowS;
        r.context = context;
        r.trainingSet = trainingSet;
        r.testSet = testSet;
        r.testSize = testSize;
        r.labelsCommitment = labelsCommitment;
        _announce(id);
    }

    /// @notice While Open: the reward goes back now; every active stake is withdrawable.
    function cancelRequest(uint256 id) external known(id) {
        Request storage r = _requests[id];
        require(msg.sender == r.requester, "BountyMarket: not the requester");
        require(stateOf(id) == State.Open, "BountyMarket: not open");
        r.state = State.Cancelled;
        emit RequestCancelled(id, r.reward);
        _push(msg.sender, r.reward);
    }

    /// @notice In AwaitingLabels, before labelsDeadline: publish the labels behind the commitment.
    function revealLabels(uint256 id, uint64[] calldata labels, bytes32 salt) external known(id) {
        Request storage r = _requests[id];
        require(msg.sender == r.requester, "BountyMarket: not the requester");
        require(stateOf(id) == State.AwaitingLabels, "BountyMarket: not awaiting labels");
        require(block.timestamp < r.labelsDeadline, "BountyMarket: response window over");
        require(
            labels.length == r.testSize && keccak256(abi.encode(labels, salt, msg.sender, id)) == r.labelsCommitment,
            "BountyMarket: labels do not match the commitment"
        );
        r.labels = labels;
        r.state = State.Claiming;
        r.claimDeadline = uint64(block.timestamp) + r.claimWindow;
        emit LabelsRevealed(id, r.claimDeadline);
    }

    // ------------------------------------------------------------------ trainers

    /// @notice While Open: stake `trainerStake` (approve it first) with the two commitments.
    function submit(uint256 id, bytes32 predictionsCommitment, bytes32 modelCommitment)
        external
        known(id)
        returns (uint256 index)
    {
        Request storage r = _requests[id];
        require(stateOf(id) == State.Open, "BountyMarket: submissions closed");
        Submission[] storage subs = _submissions[id];
        require(subs.length < MAX_SUBMISSIONS, "BountyMarket: too many submissions");
        index = subs.length;
        Submission storage s = subs.push();
        s.trainer = msg.sender;
        s.predictionsCommitment = predictionsCommitment;
        s.modelCommitment = modelCommitment;
        r.active += 1;
        emit Submitted(id, index, msg.sender, predictionsCommitment, modelCommitment);
        _pull(msg.sender, r.trainerStake);
    }

    /// @notice While Open: withdraw a submission; the stake comes back now.
    function cancelSubmission(uint256 id, uint256 index) external known(id) {
        Request storage r = _requests[id];
        Submission storage s = _ownSubmission(id, index);
        require(stateOf(id) == State.Open, "BountyMarket: submissions closed");
        require(!s.cancelled, "BountyMarket: already cancelled");
        // The stored submission (not a copy) is marked: selection, claims and payouts skip it.
        s.cancelled = true;
        s.settled = true;
        r.active -= 1;
        emit SubmissionCancelled(id, index, msg.sender);
        _push(msg.sender, r.trainerStake);
    }

    /// @notice In Claiming, before claimDeadline, once: the number of test points predicted right.
    function claimAccuracy(uint256 id, uint256 index, uint64 correct) external known(id) {
        Request storage r = _requests[id];
        Submission storage s = _ownSubmission(id, index);
        require(r.state == State.Claiming, "BountyMarket: not claiming");
        require(block.timestamp < r.claimDeadline, "BountyMarket: claim window over");
        require(!s.cancelled, "BountyMarket: already cancelled");
        require(!s.claimed, "BountyMarket: already claimed");
        require(correct <= r.testSize, "BountyMarket: claim above the test size");
        s.claimed = true;
        s.correct = correct;
        r.claimed += 1;
        emit AccuracyClaimed(id, index, msg.sender, correct);
    }

    /// @notice The candidate, in Verifying, before verifyDeadline: open both commitments. If they
    ///         match and the predictions score exactly the claim, the trainer is paid; otherwise the
    ///         trainer is slashed and the next best claim is selected (or the request refunded).
    function revealPredictions(
        uint256 id,
        uint64[] calldata predictions,
        bytes32 predictionsSalt,
        bytes32 model,
        bytes32 modelSalt
    ) external known(id) {
        Request storage r = _requests[id];
        require(r.state == State.Verifying, "BountyMarket: not verifying");
        Submission storage s = _submissions[id][r.candidate];
        require(msg.sender == s.trainer, "BountyMarket: not the candidate");
        require(block.timestamp < r.verifyDeadline, "BountyMarket: reveal window over");
        bool proven = keccak256(abi.encode(predictions, predictionsSalt, msg.sender, id)) == s.predictionsCommitment
            && keccak256(abi.encode(model, modelSalt, msg.sender, id)) == s.modelCommitment
            && predictions.length == r.testSize && _score(predictions, r.labels) == s.correct;
        if (proven) _pay(id, model);
        else _slash(id);
    }

    /// @notice The trainer, in a final state, once: the stake of an honest submission (claimed,
    ///         not slashed, not the winner, who was paid), every active stake of a cancelled
    ///         request, or stake plus reward share of a punished requester's request.
    function withdraw(uint256 id, uint256 index) external known(id) {
        Submission storage s = _ownSubmission(id, index);
        uint256 amount = owed(id, index);
        require(amount > 0, "BountyMarket: nothing to withdraw");
        s.settled = true;
        emit Withdrawn(id, index, msg.sender, amount);
        _push(msg.sender, amount);
    }

    // ------------------------------------------------------------------ anyone: moving on

    /// @notice In AwaitingLabels with no active submission: the reward goes back to the requester.
    function refundUnanswered(uint256 id) external known(id) {
        Request storage r = _requests[id];
        require(stateOf(id) == State.AwaitingLabels, "BountyMarket: not awaiting labels");
        require(r.active == 0, "BountyMarket: request has submissions");
        _refund(id);
    }

    /// @notice In AwaitingLabels after labelsDeadline: the requester forfeits the reward to the
    ///         active submissions (equal shares, the remainder to the first); stakes come back.
    function timeoutLabels(uint256 id) external known(id) {
        Request storage r = _requests[id];
        require(stateOf(id) == State.AwaitingLabels, "BountyMarket: not awaiting labels");
        require(block.timestamp >= r.labelsDeadline, "BountyMarket: response window not over");
        // Nobody to share with: refundUnanswered is the way out.
        require(r.active > 0, "BountyMarket: no submissions");
        r.state = State.RequesterPunished;
        r.firstActive = _firstActive(id);
        emit RequesterPunished(id, r.active, r.reward / r.active);
    }

    /// @notice In Claiming after claimDeadline: the submissions that never claimed forfeit their
    ///         stakes, and the best claim becomes the candidate (none: Refunded).
    function selectCandidate(uint256 id) external known(id) {
        Request storage r = _requests[id];
        require(r.state == State.Claiming, "BountyMarket: not claiming");
        require(block.timestamp >= r.claimDeadline, "BountyMarket: claim window not over");
        // Nothing is forfeited before this point: candidates are only slashed in Verifying.
        r.forfeited = uint256(r.active - r.claimed) * r.trainerStake;
        _selectNext(id);
    }

    /// @notice In Verifying after verifyDeadline: the silent candidate is slashed; the next is selected.
    function timeoutCandidate(uint256 id) external known(id) {
        Request storage r = _requests[id];
        require(r.state == State.Verifying, "BountyMarket: not verifying");
        require(block.timestamp >= r.verifyDeadline, "BountyMarket: reveal window not over");
        _slash(id);
    }

    // ------------------------------------------------------------------ views

    /// @notice The state now, with AwaitingLabels derived from the clock.
    function stateOf(uint256 id) public view known(id) returns (State) {
        Request storage r = _requests[id];
        if (r.state == State.Open && block.timestamp >= r.submissionDeadline) return State.AwaitingLabels;
        return r.state;
    }

    function getRequest(uint256 id) external view known(id) returns (Request memory) {
        return _requests[id];
    }

    function submissionCount(uint256 id) external view known(id) returns (uint256) {
        return _submissions[id].length;
    }

    function getSubmission(uint256 id, uint256 index) external view known(id) returns (Submission memory) {
        return _submissions[id][index];
    }

    /// @notice What `withdraw(id, index)` would pay now (0 outside a final state).
    function owed(uint256 id, uint256 index) public view known(id) returns (uint256) {
        Request storage r = _requests[id];
        Submission storage s = _submissions[id][index];
        if (s.settled) return 0;
        State state = r.state;
        if (state == State.Cancelled) return r.trainerStake;
        if (state == State.RequesterPunished) {
            uint256 remainder = index == r.firstActive ? r.reward % r.active : 0;
            return r.trainerStake + r.reward / r.active + remainder;
        }
        if ((state == State.Paid || state == State.Refunded) && s.claimed && !s.slashed) return r.trainerStake;
        return 0;
    }

    // ------------------------------------------------------------------ internals

    /// Split from createRequest, whose eleven arguments leave no stack for the event.
    function _announce(uint256 id) private {
        Request storage r = _requests[id];
        emit RequestCreated(id, r.requester, r.reward, r.trainerStake, r.submissionDeadline, r.labelsDeadline);
        _pull(r.requester, r.reward);
    }

    /// The submission at `index`, which must exist and belong to the caller.
    function _ownSubmission(uint256 id, uint256 index) private view returns (Submission storage s) {
        Submission[] storage subs = _submissions[id];
        require(index < subs.length && subs[index].trainer == msg.sender, "BountyMarket: not your submission");
        return subs[index];
    }

    /// Internal, not an external self-call: no msg.sender guard can block selection or timeouts.
    function _selectNext(uint256 id) private {
        Request storage r = _requests[id];
        (bool found, uint256 best) = _best(id);
        if (!found) return _refund(id);
        Submission storage s = _submissions[id][best];
        r.state = State.Verifying;
        r.candidate = uint32(best);
        r.verifyDeadline = uint64(block.timestamp) + r.revealWindow;
        emit CandidateSelected(id, best, s.trainer, s.correct, r.verifyDeadline);
    }

    /// The highest claim among claimed, unslashed submissions (claimed implies active); ties go to
    /// the earliest. Unclaimed submissions are never candidates.
    function _best(uint256 id) private view returns (bool found, uint256 best) {
        Submission[] storage subs = _submissions[id];
        uint64 top;
        for (uint256 i; i < subs.length; ++i) {
            Submission storage s = subs[i];
            if (s.claimed && !s.slashed && (!found || s.correct > top)) {
                (found, best, top) = (true, i, s.correct);
            }
        }
    }

    function _firstActive(uint256 id) private view returns (uint32 i) {
        Submission[] storage subs = _submissions[id];
        while (subs[i].cancelled) ++i;
    }

    /// Predictions right, counted with VCOUNTEQ (or its Solidity fallback) on int256 copies.
    function _score(uint64[] calldata predictions, uint64[] storage labels) private view returns (uint256) {
        uint64[] memory stored = labels;
        uint256 n = stored.length;
        int256[] memory x = new int256[](n);
        int256[] memory y = new int256[](n);
        for (uint256 i; i < n; ++i) {
            x[i] = int256(uint256(predictions[i]));
            y[i] = int256(uint256(stored[i]));
        }
        return VectorMath.countEqual(x, y, VECTOR_PRECOMPILES);
    }

    function _pay(uint256 id, bytes32 model) private {
        Request storage r = _requests[id];
        Submission storage s = _submissions[id][r.candidate];
        r.state = State.Paid;
        s.settled = true;
        uint256 amount = r.reward + r.forfeited + r.trainerStake;
        emit Paid(id, r.candidate, s.trainer, model, amount);
        _push(s.trainer, amount);
    }

    function _slash(uint256 id) private {
        Request storage r = _requests[id];
        Submission storage s = _submissions[id][r.candidate];
        s.slashed = true;
        s.settled = true;
        r.forfeited += r.trainerStake;
        emit CandidateSlashed(id, r.candidate, s.trainer, r.trainerStake);
        _selectNext(id);
    }

    /// Nobody won: the reward and the forfeited stakes go to the requester.
    function _refund(uint256 id) private {
        Request storage r = _requests[id];
        r.state = State.Refunded;
        uint256 amount = r.reward + r.forfeited;
        emit Refunded(id, r.requester, amount);
        _push(r.requester, amount);
    }

    function _pull(address from, uint256 amount) private {
        require(token.transferFrom(from, address(this), amount), "BountyMarket: token transfer failed");
    }

    function _push(address to, uint256 amount) private {
        require(token.transfer(to, amount), "BountyMarket: token transfer failed");
    }
}
