// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Ownable} from "../Ownable.sol";
import {IIncentiveMechanism64, ITrainerForIncentive} from "../Plumbing.sol";
import {Classifier64} from "../classification/Classifier64.sol";

/// The trainer's getter for its classifier: the market evaluates the model the trainer owns.
interface IPredictionMarketTrainer {
    function classifier() external view returns (address);
}

/// @title PredictionMarket: a bounty paid for the accuracy gain contributions bring on a hidden test set.
/// @notice The SUM paper's prediction market, which the original only simulates (docs/contracts.md,
///         "PredictionMarket"). A bounty provider commits hashes of N >= 2 test set pieces; one, drawn
///         with prevrandao, is revealed to open the market; contributors stake through the trainer's
///         addData (the model is not trained yet); after the market ends the provider reveals the other
///         pieces; the reward phase then trains the model on each contribution in order, caches the
///         accuracy after each, and settles in passes: contributions that lowered the accuracy lose
///         stake to those that raised it, the bounty pays the net gain, the worst is removed each pass.
///         Every step is its own bounded transaction. Test data and samples are never stored: each
///         step re-supplies them and the contract checks them against the committed hashes and keys.
contract PredictionMarket is Ownable, IIncentiveMechanism64 {
    enum MarketPhase {
        NEW,
        INITIALIZATION,
        PARTICIPATION,
        REVEAL_TEST_SET,
        MEASURE,
        SETTLE,
        REWARD_COLLECT
    }

    struct Contribution {
        bytes32 key;
        address contributor;
        uint64 addedTime;
        /// The next contribution still in the market (a linked list; >= the count ends it).
        uint32 next;
        uint128 balance;
        /// The accuracy change this contribution brought in the latest settling pass.
        int64 score;
        /// Correct test predictions after training on it (cached: later passes reuse it).
        uint64 numCorrect;
    }

    struct AddressStats {
        uint128 numValid;
        uint128 numSubmitted;
    }

    /// Reveals and measuring steps re-supply the whole scoring test set; its evaluation plus calldata
    /// must leave room for training and hashing under the 16,777,216 gas transaction cap.
    uint256 public constant MAX_TEST_SET_GAS = 12_000_000;
    uint32 private constant NONE = type(uint32).max;

    uint256 public immutable minStake;
    bool public immutable allowGreaterDeposit;
    uint32 public immutable revealTimeoutS;

    MarketPhase public phase;
    address public bountyProvider;
    uint256 public totalBounty;
    bytes32[] public testSetHashes;
    uint256 public testRevealIndex;
    uint256 public nextTestSetIndexToVerify;
    /// Samples in the scoring test set (every piece but the one revealed at the start).
    uint256 public testSetSize;
    /// Gas of evaluating the scoring test set in one step, bounded above per piece: the larger of
    /// evaluation plus calldata at 16 gas a byte and the EIP-7623 floor taken at 40 gas a byte.
    uint256 public testSetGas;
    uint256 public marketEarliestEnd;
    uint256 public minNumContributions;
    uint256 public revealDeadline;

    Contribution[] public contributions;
    mapping(address => AddressStats) public addressStats;
    uint256 public totalSubmitted;
    uint256 public totalGoodDataCount;
    /// Stake per address and in total: the shares when the provider forfeits the bounty.
    mapping(address => uint256) public stakeOf;
    uint256 public totalStake;
    /// What each contributor collects (through the trainer's refund) once the market is settled.
    mapping(address => uint256) public marketBalances;
    bool public bountyForfeited;
    /// What the provider withdraws after settlement: the bounty not paid out.
    uint256 public bountyToReturn;

    bool public initialAccuracyMeasured;
    uint256 public initialNumCorrect;
    uint256 public nextToMeasure;
    uint256 public numPasses;
    /// Rounds the bounty still pays for: a round pays each contribution its score (in correct test
    /// predictions) in wei, so it costs at most testSetSize wei and the bounty buys bounty / testSetSize.
    uint256 public remainingRounds;
    /// Net bounty owed to contributors so far (ceil-rounded scaled losses can take it below 0).
    int256 private bountySpent;

    // The settling sweep: one contribution per step, applying the previous pass and scoring this one.
    uint32 private head;
    uint32 private cursor;
    uint32 private prevLive;
    uint32 private worst;
    uint32 private toRemove;
    bool private lastPass;
    uint64 private prevCorrect;
    uint256 private sumPositive;
    uint256 private sumNegative;
    uint256 private rounds;
    uint256 private lossNum;
    uint256 private lossDen;

    event MarketInitialized(address indexed bountyProvider, uint256 bounty, uint256 numPieces, uint256 testRevealIndex);
    event TestSetPieceRevealed(uint256 index);
    event MarketEnded(uint256 numContributions, uint256 revealDeadline);
    event InitialAccuracyMeasured(uint256 numCorrect);
    event ContributionMeasured(uint256 indexed index, uint256 numCorrect, bool trained);
    event PassSettled(uint256 pass, uint256 rounds, bool last);
    event MarketSettled(uint256 bountyPaid, uint256 bountyReturned);
    event BountyForfeited(uint256 bounty);
    event Refund(address recipient, uint256 amount);

    constructor(uint256 _minStake, bool _allowGreaterDeposit, uint32 _revealTimeoutS) {
        require(_minStake > 0, "The minimum stake must be positive.");
        require(_revealTimeoutS > 0, "The reveal timeout must be positive.");
        minStake = _minStake;
        allowGreaterDeposit = _allowGreaterDeposit;
        revealTimeoutS = _revealTimeoutS;
    }

    modifier onlyProvider() {
        require(msg.sender == bountyProvider, "Only the bounty provider can do this.");
        _;
    }

    // ---------------------------------------------------------------- views

    function getNumContributions() external view returns (uint256) {
        return contributions.length;
    }

    function getNumTestSetPieces() external view returns (uint256) {
        return testSetHashes.length;
    }

    /// The bounty not yet promised to contributors.
    function remainingBounty() external view returns (uint256) {
        return bountySpent > 0 ? totalBounty - uint256(bountySpent) : totalBounty;
    }

    function numValidForAddress(address a) external view returns (uint256) {
        return addressStats[a].numValid;
    }

    /// The stake depends on neither time nor sample; the overloads match the other mechanisms' ABI.
    function getNextAddDataCost() external view returns (uint256) {
        return minStake;
    }

    function getNextAddDataCost(uint256) external view returns (uint256) {
        return minStake;
    }

    function getNextAddDataCost(int64[] calldata, uint64) external view returns (uint256) {
        return minStake;
    }

    // ---------------------------------------------------------------- initialization

    /// The provider deposits the bounty and commits the pieces' hashes,
    /// keccak256(abi.encode(int64[][] data, uint64[] labels)); one piece is drawn to be revealed now.
    function initializeMarket(bytes32[] calldata _testSetHashes, uint256 minLengthS, uint256 _minNumContributions)
        external payable returns (uint256)
    {
        require(phase == MarketPhase.NEW, "The market has already been initialized.");
        require(_testSetHashes.length >= 2, "At least two test set pieces are required.");
        require(msg.value > 0, "A bounty is required.");
        bountyProvider = msg.sender;
        totalBounty = msg.value;
        testSetHashes = _testSetHashes;
        testRevealIndex = block.prevrandao % _testSetHashes.length;
        nextTestSetIndexToVerify = testRevealIndex == 0 ? 1 : 0;
        marketEarliestEnd = block.timestamp + minLengthS;
        minNumContributions = _minNumContributions;
        phase = MarketPhase.INITIALIZATION;
        emit MarketInitialized(msg.sender, msg.value, _testSetHashes.length, testRevealIndex);
        return testRevealIndex;
    }

    /// Revealing the drawn piece proves the committed test set is real data the model can read; it
    /// opens the market. This piece is public from now on, so it is left out of the scoring.
    function revealInitialTestSet(int64[][] calldata data, uint64[] calldata labels) external onlyProvider {
        require(phase == MarketPhase.INITIALIZATION, "The market is not waiting for the initial test set.");
        _verifyPiece(testRevealIndex, data, labels);
        phase = MarketPhase.PARTICIPATION;
        emit TestSetPieceRevealed(testRevealIndex);
    }

    // ---------------------------------------------------------------- participation (trainer hooks)

    function handleAddData(address contributor, uint256 msgValue, bytes32 key, uint64)
        external onlyOwner returns (uint256 cost, bool updateModel)
    {
        require(phase == MarketPhase.PARTICIPATION, "The market is not accepting contributions.");
        require(msgValue >= minStake, "Didn't pay enough for the deposit.");
        cost = allowGreaterDeposit ? msgValue : minStake;
        uint256 index = contributions.length;
        contributions.push(Contribution({
            key: key,
            contributor: contributor,
            addedTime: uint64(block.timestamp),
            next: uint32(index + 1),
            balance: uint128(cost),
            score: 0,
            numCorrect: 0
        }));
        stakeOf[contributor] += cost;
        totalStake += cost;
        addressStats[contributor].numSubmitted += 1;
        totalSubmitted += 1;
        updateModel = false;
    }

    /// Collecting: after settlement a contributor's refund of any of its records pays its whole
    /// market balance (stake left plus reward); later refunds of its other records pay 0.
    function handleRefund(address submitter, bytes32, uint64, uint256, uint256, bool, uint64, uint256)
        external onlyOwner returns (uint256 refundAmount)
    {
        require(phase == MarketPhase.REWARD_COLLECT, "The market has not been settled yet.");
        if (bountyForfeited) {
            uint256 stake = stakeOf[submitter];
            refundAmount = stake + totalBounty * stake / totalStake;
            stakeOf[submitter] = 0;
        } else {
            refundAmount = marketBalances[submitter];
            marketBalances[submitter] = 0;
        }
        emit Refund(submitter, refundAmount);
    }

    /// Contributions are judged by the test set, not by reporters.
    function handleReport(address, bytes32, uint64, uint256, address, uint256, uint256, bool, uint64, uint256)
        external pure returns (uint256)
    {
        revert("The prediction market does not take reports.");
    }

    // ---------------------------------------------------------------- end and reveal

    /// Anyone may end the market once it has run its minimum time or received its minimum number of
    /// contributions; the provider then has revealTimeoutS to reveal the rest of the test set.
    function endMarket() external {
        require(phase == MarketPhase.PARTICIPATION, "The market is not in its participation phase.");
        require(
            contributions.length >= minNumContributions || block.timestamp >= marketEarliestEnd,
            "Can't end the market yet."
        );
        phase = MarketPhase.REVEAL_TEST_SET;
        revealDeadline = block.timestamp + revealTimeoutS;
        emit MarketEnded(contributions.length, revealDeadline);
    }

    /// The provider reveals the committed pieces in index order (skipping the one revealed at the start).
    function revealNextTestSetPiece(int64[][] calldata data, uint64[] calldata labels) external onlyProvider {
        require(phase == MarketPhase.REVEAL_TEST_SET, "The market is not in its reveal phase.");
        require(block.timestamp < revealDeadline, "The reveal deadline has passed.");
        uint256 index = nextTestSetIndexToVerify;
        uint256 gasBefore = gasleft();
        _verifyPiece(index, data, labels);
        uint256 standard = gasBefore - gasleft() + 16 * msg.data.length;
        uint256 floor = 40 * msg.data.length;
        testSetGas += standard > floor ? standard : floor;
        require(testSetGas <= MAX_TEST_SET_GAS, "The test set is too large to evaluate in one transaction.");
        testSetSize += labels.length;
        emit TestSetPieceRevealed(index);
        ++index;
        if (index == testRevealIndex) ++index;
        nextTestSetIndexToVerify = index;
        if (index >= testSetHashes.length) phase = MarketPhase.MEASURE;
    }

    /// A provider who does not reveal in time loses the bounty to the contributors, shared by stake.
    /// With no contributions the bounty goes back to the provider.
    function forfeitBounty() external {
        require(phase == MarketPhase.REVEAL_TEST_SET, "The market is not in its reveal phase.");
        require(block.timestamp >= revealDeadline, "The reveal deadline has not passed yet.");
        phase = MarketPhase.REWARD_COLLECT;
        bountyForfeited = true;
        emit BountyForfeited(totalBounty);
        if (totalStake == 0) {
            bountyToReturn = totalBounty;
        } else {
            _payTrainer(totalBounty);
        }
    }

    // ---------------------------------------------------------------- reward: measuring

    /// Anyone: the accuracy before any contribution, the baseline of the first score.
    function measureInitialAccuracy(int64[][][] calldata testData, uint64[][] calldata testLabels) external {
        require(phase == MarketPhase.MEASURE, "The market is not in its measuring phase.");
        require(!initialAccuracyMeasured, "The initial accuracy has already been measured.");
        initialAccuracyMeasured = true;
        initialNumCorrect = _evaluate(testData, testLabels);
        prevLive = NONE;
        emit InitialAccuracyMeasured(initialNumCorrect);
        if (contributions.length == 0) _settle();
    }

    /// Anyone: trains the model (through the trainer) on the next contribution, re-supplied and
    /// checked against its record key, and caches the accuracy on the re-supplied test set. A sample
    /// the classifier refuses leaves the market with its stake, neither rewarded nor punished.
    function measureNextContribution(
        int64[] calldata data,
        uint64 classification,
        int64[][][] calldata testData,
        uint64[][] calldata testLabels
    ) external {
        require(phase == MarketPhase.MEASURE, "The market is not in its measuring phase.");
        require(initialAccuracyMeasured, "Measure the initial accuracy first.");
        uint256 index = nextToMeasure;
        Contribution storage c = contributions[index];
        require(_matchesKey(c, data, classification), "The sample does not match the contribution.");
        uint256 gasBefore = gasleft();
        bool trained;
        try ITrainerForIncentive(owner).trainOnBehalfOfIncentive(data, classification) {
            trained = true;
        } catch {
            // Out of gas looks like a refusal: make the caller retry with enough gas instead.
            require(gasleft() > gasBefore / 63, "Not enough gas to train.");
        }
        uint256 numCorrect;
        if (trained) {
            numCorrect = _evaluate(testData, testLabels);
            c.numCorrect = uint64(numCorrect);
            prevLive = uint32(index);
        } else {
            // A refused sample leaves the market at once with its stake: it changed nothing, and a
            // cached accuracy would make it answer for its predecessors in later passes.
            marketBalances[c.contributor] += c.balance;
            if (prevLive == NONE) head = uint32(index + 1);
            else contributions[prevLive].next = uint32(index + 1);
        }
        emit ContributionMeasured(index, numCorrect, trained);
        nextToMeasure = index + 1;
        if (index + 1 < contributions.length) return;
        if (head >= contributions.length) _settle();
        else _startSettling(true);
    }

    // ---------------------------------------------------------------- reward: settling

    /// Anyone: one step of the settling sweep. It applies the previous pass to one contribution
    /// (gain or loss, removal of the pass's worst), then scores it against the previous contribution
    /// still in the market; the sweep's last step fixes the next pass or settles the market.
    function settleNextContribution() external {
        require(phase == MarketPhase.SETTLE, "The market is not in its settling phase.");
        uint32 i = cursor;
        Contribution storage c = contributions[i];
        uint256 balance = c.balance;
        int256 score = c.score;
        if (score > 0) {
            uint256 gain = rounds * uint256(score);
            balance += gain;
            bountySpent += int256(gain);
        } else if (score < 0) {
            uint256 loss = _ceilDiv(rounds * uint256(-score) * lossNum, lossDen);
            if (loss > balance) loss = balance;
            balance -= loss;
            bountySpent -= int256(loss);
        }
        c.balance = uint128(balance);
        cursor = c.next;
        if (lastPass || i == toRemove) {
            marketBalances[c.contributor] += balance;
            if (lastPass && score >= 0) {
                addressStats[c.contributor].numValid += 1;
                totalGoodDataCount += 1;
            }
            if (i == toRemove) {
                if (prevLive == NONE) head = c.next;
                else contributions[prevLive].next = c.next;
            }
        } else {
            int256 newScore = int256(uint256(c.numCorrect)) - int256(uint256(prevCorrect));
            c.score = int64(newScore);
            prevCorrect = c.numCorrect;
            prevLive = i;
            if (newScore > 0) {
                sumPositive += uint256(newScore);
            } else if (newScore < 0) {
                uint256 negative = uint256(-newScore);
                sumNegative += negative;
                // The worst is the one whose stake the losses exhaust first (smallest balance / |score|).
                if (worst == NONE || balance * uint256(-int256(contributions[worst].score))
                    < uint256(contributions[worst].balance) * negative) worst = i;
            }
        }
        if (cursor >= contributions.length) _endSweep();
    }

    /// The previous pass's sweep is over: fix how many rounds the next sweep applies, or settle.
    function _endSweep() private {
        if (lastPass || head >= contributions.length) {
            _settle();
            return;
        }
        uint256 positive = sumPositive;
        uint256 negative = sumNegative;
        uint256 n;
        toRemove = NONE;
        lossNum = 0;
        lossDen = 1;
        if (negative == 0) {
            // Nothing lowers the accuracy: every remaining round is paid at once.
            n = positive > 0 ? remainingRounds : 0;
            lastPass = true;
        } else if (positive == 0) {
            // Nobody to lose stake to: remove the worst with its stake, the others are rescored.
            toRemove = worst;
        } else {
            // As many rounds as the worst's stake pays for; losses go to the gainers, scaled down
            // when they exceed the gains, and the bounty pays the net gain.
            lossNum = positive < negative ? positive : negative;
            lossDen = negative;
            Contribution storage w = contributions[worst];
            n = uint256(w.balance) * negative / (uint256(-int256(w.score)) * lossNum);
            if (n >= remainingRounds) {
                n = remainingRounds;
                lastPass = true;
            } else {
                toRemove = worst;
            }
        }
        remainingRounds -= n;
        rounds = n;
        emit PassSettled(numPasses, n, lastPass);
        numPasses += 1;
        _startSettling(false);
    }

    function _startSettling(bool fromMeasuring) private {
        if (fromMeasuring) {
            phase = MarketPhase.SETTLE;
            remainingRounds = totalBounty / testSetSize;
            lossDen = 1;
            toRemove = NONE;
        }
        cursor = head;
        prevLive = NONE;
        worst = NONE;
        prevCorrect = uint64(initialNumCorrect);
        sumPositive = 0;
        sumNegative = 0;
    }

    /// The reward is fixed: the trainer receives what it owes contributors beyond their stakes.
    function _settle() private {
        phase = MarketPhase.REWARD_COLLECT;
        uint256 paid = bountySpent > 0 ? uint256(bountySpent) : 0;
        bountyToReturn = totalBounty - paid;
        emit MarketSettled(paid, bountyToReturn);
        if (paid > 0) _payTrainer(paid);
    }

    /// The provider takes back the bounty not paid out.
    function withdrawBounty() external onlyProvider {
        require(phase == MarketPhase.REWARD_COLLECT, "The market has not been settled yet.");
        uint256 amount = bountyToReturn;
        require(amount > 0, "Nothing to withdraw.");
        bountyToReturn = 0;
        (bool ok,) = payable(msg.sender).call{value: amount}("");
        require(ok, "Could not send the bounty.");
    }

    // ---------------------------------------------------------------- helpers

    function _payTrainer(uint256 amount) private {
        (bool ok,) = payable(owner).call{value: amount}("");
        require(ok, "Could not pay the trainer.");
    }

    /// Checks a revealed piece against its hash, and that the model can evaluate it (a piece it
    /// cannot read would stall the reward phase).
    function _verifyPiece(uint256 index, int64[][] calldata data, uint64[] calldata labels) private view {
        require(data.length == labels.length && data.length > 0, "A test set piece needs as many labels as samples.");
        require(keccak256(abi.encode(data, labels)) == testSetHashes[index], "The test set piece does not match its hash.");
        Classifier64(IPredictionMarketTrainer(owner).classifier()).evaluateBatch(data, labels);
    }

    /// Correct predictions on the scoring test set: every piece but the initial one, in index order.
    function _evaluate(int64[][][] calldata testData, uint64[][] calldata testLabels) private view returns (uint256 numCorrect) {
        uint256 n = testSetHashes.length;
        require(testData.length == n - 1 && testLabels.length == n - 1, "Wrong number of test set pieces.");
        Classifier64 model = Classifier64(IPredictionMarketTrainer(owner).classifier());
        uint256 j;
        for (uint256 k; k < n; ++k) {
            if (k == testRevealIndex) continue;
            require(
                keccak256(abi.encode(testData[j], testLabels[j])) == testSetHashes[k],
                "The test set piece does not match its hash."
            );
            numCorrect += model.evaluateBatch(testData[j], testLabels[j]);
            ++j;
        }
    }

    /// The trainer's record key of the sample, in either entry's form (docs/contracts.md, "Record keys").
    function _matchesKey(Contribution storage c, int64[] calldata data, uint64 classification) private view returns (bool) {
        uint256 t = c.addedTime;
        address author = c.contributor;
        if (keccak256(abi.encodePacked(data, classification, t, author)) == c.key) return true;
        bytes memory packed = new bytes(8 * data.length);
        for (uint256 i; i < data.length; ++i) {
            uint64 v = uint64(data[i]);
            for (uint256 b; b < 8; ++b) packed[8 * i + b] = bytes1(uint8(v >> (56 - 8 * b)));
        }
        return keccak256(abi.encodePacked(bytes1(0x01), packed, classification, t, author)) == c.key;
    }

    function _ceilDiv(uint256 a, uint256 b) private pure returns (uint256) {
        return a == 0 ? 0 : (a - 1) / b + 1;
    }
}
